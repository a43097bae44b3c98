import { bootstrapService, runService } from '@twe/runtime';

import { AppModule } from './app.module';

runService(() =>
  bootstrapService(AppModule, { serviceName: 'mail-fetcher', defaultHttpPort: 3001, rpcServer: true }),
);
