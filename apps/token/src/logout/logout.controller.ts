import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type EndSessionRequest,
  type EndSessionResponse,
  TokenSubjects,
} from '@latchkey/contracts';
import { EndSessionService } from './end-session.service';

@Controller()
export class LogoutController {
  constructor(private readonly sessions: EndSessionService) {}

  @MessagePattern(TokenSubjects.EndSession)
  endSession(@Payload() request: EndSessionRequest): Promise<EndSessionResponse> {
    return this.sessions.end(request);
  }
}
