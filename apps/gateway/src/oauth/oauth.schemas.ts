import { z } from 'zod';

import { apiSchema } from '../common/openapi-registry';

export const authorizeUrlResponseSchema = z.object({
  url: z.url().meta({ description: "The provider's sign-in page for this mailbox; open it in a browser." }),
  expiresAt: z.iso.datetime().meta({ description: 'The signed state inside the URL expires then.' }),
});
export type AuthorizeUrlDto = z.infer<typeof authorizeUrlResponseSchema>;

export const oauthConnectedResponseSchema = z.object({
  mailboxId: z.int(),
  connected: z.literal(true),
  account: z.string().nullable().meta({ description: 'The account that signed in at the provider.' }),
  refreshTokenExpiresAt: z.iso.datetime().nullable(),
  message: z.string(),
});
export type OAuthConnectedDto = z.infer<typeof oauthConnectedResponseSchema>;

export const oauthCallbackQuerySchema = z.object({
  code: z.string().min(1).max(8192).optional(),
  state: z.string().min(1).max(2048).optional(),
  error: z.string().max(200).optional(),
  error_description: z.string().max(2000).optional(),
});
export type OAuthCallbackQuery = z.infer<typeof oauthCallbackQuerySchema>;

export const oauthRefs = {
  authorizeUrl: apiSchema('OAuthAuthorizeUrl', authorizeUrlResponseSchema, 'output'),
  connected: apiSchema('OAuthConnected', oauthConnectedResponseSchema, 'output'),
};
