import { bootstrapService, runService } from '@twe/runtime';

import { AppModule } from './app.module';
import { configureGateway } from './configure-gateway';

runService(() =>
  bootstrapService(AppModule, { serviceName: 'gateway', defaultHttpPort: 3000, configure: configureGateway }),
);
