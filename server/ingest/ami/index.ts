// Asterisk AMI adapter: public surface for the server's start-up code.
export { startAmiClient, formatAction, type AmiClient, type AmiClientOptions, type AmiClientStatus } from './client.js';
export { AmiFramer, makeFrame, type AmiFrame, type AmiFramerOptions, type AmiFramerError } from './framer.js';
export { mapAmiFrame, newAmiMapperState, frameTime, type AmiMapContext, type AmiMapperState } from './mapper.js';
export { type AsteriskMappingConfig, type EventSink, type Logger, DEFAULT_EXIT_TO } from './common.js';
