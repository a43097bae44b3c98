import { bootstrapService, runService } from '@twe/runtime';

import { AppModule } from './app.module';

runService(() => bootstrapService(AppModule, { serviceName: 'mail-sender', defaultHttpPort: 3003 }));
