import { bootstrapService, runService } from '@twe/runtime';

import { AppModule } from './app.module';

runService(() => bootstrapService(AppModule, { serviceName: 'bounce-worker', defaultHttpPort: 3004 }));
