// Package ai holds the example AI-service integration tests (plain testing)
// that kubernaut.testinfra runs against Redis, used as a response cache.
//
// The tests read their connection details only from the environment that the
// collection exports (REDIS_URL, or REDIS_ADDR + REDIS_PASSWORD) and fail
// loudly when they are missing. See ../../../README.md.
package ai
