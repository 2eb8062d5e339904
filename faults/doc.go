// Package faults runs hirebus as an operator does — the real binary as
// separate processes on a 3-node JetStream cluster of nats-server processes,
// two edges and several workers — and injects the faults a deployment meets:
// kill -9 of each role, of a stream leader and of an edge under load, and a
// MySQL cut through a TCP proxy. It reports what the users' view of
// exactly-once depends on: commands accepted, completed once, lost,
// duplicated, stuck, and the time to recover.
//
// `make test` runs the short suite (TestFaultsShort, about a minute);
// `make faults` runs every scenario (HIREBUS_FAULTS=full).
package faults
