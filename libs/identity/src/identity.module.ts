import { Module } from '@nestjs/common';

/**
 * The identity service (see docs/architecture.md). Its domain, application and infrastructure layers arrive with
 * the issues that deliver them; the module exists now so that apps and layering rules are in place.
 */
@Module({})
export class IdentityModule {}
