// The Controller target; see docs/architecture.md.
