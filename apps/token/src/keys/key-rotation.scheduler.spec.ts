import { Logger } from '@nestjs/common';
import { KEY_ROTATION_TICK_MS, KeyRotationScheduler } from './key-rotation.scheduler';
import type { KeyRotationService } from './key-rotation.service';

describe('KeyRotationScheduler', () => {
  let step: jest.Mock;
  let scheduler: KeyRotationScheduler;

  beforeEach(() => {
    step = jest.fn(async () => ({ promoted: [], started: [], deleted: [] }));
    scheduler = new KeyRotationScheduler({ step } as unknown as KeyRotationService);
  });

  afterEach(async () => {
    await scheduler.onModuleDestroy();
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('steps on every tick of the timer, and stops when the module is destroyed', async () => {
    jest.useFakeTimers();
    scheduler.onApplicationBootstrap();
    expect(step).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(KEY_ROTATION_TICK_MS);
    expect(step).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(KEY_ROTATION_TICK_MS);
    expect(step).toHaveBeenCalledTimes(2);
    await scheduler.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(3 * KEY_ROTATION_TICK_MS);
    expect(step).toHaveBeenCalledTimes(2);
  });

  it('runs one step at a time', async () => {
    let finish!: () => void;
    step.mockImplementationOnce(() => new Promise<void>((resolve) => (finish = resolve)));
    const first = scheduler.tick();
    const second = scheduler.tick();
    expect(step).toHaveBeenCalledTimes(1);
    finish();
    await Promise.all([first, second]);
    await scheduler.tick();
    expect(step).toHaveBeenCalledTimes(2);
  });

  it('logs a failed step and tries again at the next tick', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    step.mockRejectedValueOnce(new Error('database unavailable'));
    await expect(scheduler.tick()).resolves.toBeUndefined();
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/database unavailable/);
    await scheduler.tick();
    expect(step).toHaveBeenCalledTimes(2);
  });
});
