/** DI token of the name of the service a Nest application runs (the `service` label of metrics). */
export const PLATFORM_SERVICE = 'LATCHKEY_PLATFORM_SERVICE';
