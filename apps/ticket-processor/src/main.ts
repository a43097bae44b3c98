import { bootstrapService, runService } from '@twe/runtime';

import { AppModule } from './app.module';

runService(() => bootstrapService(AppModule, { serviceName: 'ticket-processor', defaultHttpPort: 3002 }));
