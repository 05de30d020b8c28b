// Asterisk queue_log adapter: public surface for the server's start-up code.
export { parseQueueLogLine, parseAndCount, newCounts, QUEUE_LOG_EVENTS, type QueueLogRecord, type QueueLogParse, type QueueLogCounts, type QueueLogEvent } from './parser.js';
export { mapQueueLogRecord, newQueueLogMapperState, lineIdBase, type QueueLogMapContext, type QueueLogMapperState } from './mapper.js';
export { followQueueLog, replayFile, QueueLogReader, type FollowOptions, type FollowStatus, type QueueLogFollower, type ReplayOptions } from './follower.js';
