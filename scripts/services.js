// The four services and their entry files, shared by the local launch scripts.
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const SERVICES = ['token', 'client-registry', 'audit', 'gateway'];
const entryOf = (service) => path.join(root, 'dist', 'apps', service, 'main.js');

module.exports = { root, SERVICES, entryOf };
