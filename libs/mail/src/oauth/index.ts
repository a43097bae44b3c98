export * from './microsoft-client';
export * from './oauth-errors';
export * from './oauth-network-client';
export * from './oauth-token-store';
export * from './oauth-token.service';
export * from './microsoft-identity-settings';
