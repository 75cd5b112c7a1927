// The SwkYAML target; see docs/architecture.md.
