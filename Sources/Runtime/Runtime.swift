// The Runtime target; see docs/architecture.md.
