package io.github.atomicdb;

/**
 * A queue's counts at one moment.
 *
 * @param available entries a pull could take now (never pulled, released, or timed out)
 * @param inFlight entries being processed whose visibility timeout has not passed
 * @param delayed entries pushed with a delay that has not passed
 * @param oldestAvailableAgeSeconds seconds since the push of the first available entry in queue
 *     order, 0 when none is available
 */
public record QueueStats(
    long available, long inFlight, long delayed, long oldestAvailableAgeSeconds) {}
