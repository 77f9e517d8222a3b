// Package datastorage holds the example data-storage integration suite
// (Ginkgo v2) that kubernaut.testinfra runs against PostgreSQL + pgvector.
//
// The suite reads its connection details only from the environment that the
// collection exports (DATABASE_URL, or the libpq PG* variables) and fails
// loudly when they are missing. See ../../../README.md.
package datastorage
