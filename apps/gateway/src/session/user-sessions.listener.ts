import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { UserEvents } from '../users/user-events';
import { SessionService } from './session.service';

/** A disabled or deleted user's SSO sessions end at once (docs/architecture.md §4), on every browser. */
@Injectable()
export class UserSessionsListener implements OnModuleInit, OnModuleDestroy {
  private unsubscribe?: () => void;

  constructor(
    private readonly events: UserEvents,
    private readonly sessions: SessionService,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.onAccessEnded(({ sub, reason }) =>
      this.sessions.endAllFor(sub, reason === 'disabled' ? 'user_disabled' : 'user_deleted'),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
