import { bootstrapService, runService } from '@twe/runtime';

import { AppModule } from './app.module';
import { setupOpenApi } from './openapi';

runService(() =>
  bootstrapService(AppModule, { serviceName: 'gateway', defaultHttpPort: 3000, configure: setupOpenApi }),
);
