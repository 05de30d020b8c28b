// Amazon Connect adapter (agent event stream): public surface for the server's start-up code and the HTTP route.
export {
  mapConnectRecord,
  newConnectMapperState,
  cloneConnectMapperState,
  staleAgents,
  expireStaleAgents,
  connectTime,
  CONNECT_EVENT_TYPES,
  DEFAULT_STALE_LIMIT_MS,
  type ConnectAgent,
  type ConnectEventType,
  type ConnectMapContext,
  type ConnectMapperState,
  type ConnectMapResult,
  type ConnectMappingConfig,
  type StaleAgent,
  type TeamSource,
} from './mapper.js';
export { parseConnectBody, mapConnectBody, type BodyError, type ParsedConnectBody } from './body.js';
