"""The demo stack of `golive demo` and of the observability tests (see stack.DemoStack)."""
