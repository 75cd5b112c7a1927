// The SwkRunc target; see docs/architecture.md.
