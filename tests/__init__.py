"""The test suite: a package, so helper modules are imported by their qualified name (`tests.pipeline_fixtures`)."""
