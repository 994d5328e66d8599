import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type IssueCodeRequest, type IssueCodeResponse, TokenSubjects } from '@latchkey/contracts';
import { CodesService } from './codes.service';

@Controller()
export class CodesController {
  constructor(private readonly codes: CodesService) {}

  @MessagePattern(TokenSubjects.IssueCode)
  issue(@Payload() request: IssueCodeRequest): Promise<IssueCodeResponse> {
    return this.codes.issue(request);
  }
}
