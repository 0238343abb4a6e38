export type { ApprovalQueueOptions, ApprovalStatus, ApprovalTicket, PendingApproval } from './approval-queue.js'
export type { Timers } from './timers.js'
export { ApprovalError, ApprovalQueue, DEFAULT_APPROVAL_TIMEOUT_MS, withGrants } from './approval-queue.js'
export { ManualTimers, systemTimers } from './timers.js'
