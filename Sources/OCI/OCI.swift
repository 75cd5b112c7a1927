// The OCI target; see docs/architecture.md.
