import { register } from 'prom-client';
import {
  grantTypeLabel,
  oauthErrorLabel,
  outboxBacklog,
  outboxOldestAge,
  readOnScrape,
  readTogetherOnScrape,
} from './metrics';

describe('metric labels stay bounded', () => {
  it('keeps the registered error codes and calls anything else other', () => {
    expect(oauthErrorLabel('invalid_grant')).toBe('invalid_grant');
    expect(oauthErrorLabel('insufficient_scope')).toBe('insufficient_scope');
    expect(oauthErrorLabel('made_up_by_a_caller')).toBe('other');
  });

  it('keeps the supported grant types and calls anything else other', () => {
    expect(grantTypeLabel('refresh_token')).toBe('refresh_token');
    expect(grantTypeLabel('urn:ietf:params:oauth:grant-type:device_code')).toBe('other');
    expect(grantTypeLabel('password')).toBe('other');
    expect(grantTypeLabel(undefined)).toBe('none');
    expect(grantTypeLabel(['client_credentials'])).toBe('none');
  });
});

describe('gauges read at scrape time', () => {
  it('reads once per scrape for gauges set together, and no more once stopped', async () => {
    const backlog = outboxBacklog();
    const oldestAge = outboxOldestAge();
    let reads = 0;
    const stop = readTogetherOnScrape([backlog, oldestAge], () => {
      reads += 1;
      backlog.set({ service: 'together' }, 3);
      oldestAge.set({ service: 'together' }, 12);
    });
    const text = await register.metrics();
    expect(reads).toBe(1);
    expect(text).toContain('latchkey_outbox_backlog{service="together"} 3');
    expect(text).toContain('latchkey_outbox_oldest_age_seconds{service="together"} 12');
    stop();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await register.metrics();
    expect(reads).toBe(1);
  });

  it('shows what the reader set when the registry is scraped', async () => {
    const gauge = outboxBacklog();
    const stop = readOnScrape(gauge, () => gauge.set({ service: 'spec' }, 7));
    expect(await register.getSingleMetricAsString('latchkey_outbox_backlog')).toContain(
      'latchkey_outbox_backlog{service="spec"} 7',
    );
    stop();
    gauge.set({ service: 'spec' }, 0);
    expect(await register.getSingleMetricAsString('latchkey_outbox_backlog')).toContain(
      'latchkey_outbox_backlog{service="spec"} 0',
    );
  });
});
