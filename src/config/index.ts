export { type ConfigIssue, type ConfigSource, ConfigError, describeSource, formatIssue } from './config-error.js';
export { type ConfigKeyDoc, describeConfig, describeKafkaOnlyKeys } from './describe-config.js';
export { type LoadConfigOptions, envName, envPrefix, loadConfig, parseConfig } from './load-config.js';
export {
  type Endpoint,
  type Listeners,
  type LogLevel,
  type NodeConfig,
  type SecurityProtocols,
  type SslFiles,
  type Voter,
  bindAddress,
  formatEndpoint,
} from './node-config.js';
export { type Property, PropertiesSyntaxError, parseProperties } from './properties.js';
