// The ImageStore target; see docs/architecture.md.
