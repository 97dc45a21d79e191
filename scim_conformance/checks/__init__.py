"""Judging responses: rules, failures, expectations, multi-request steps, paths and schemas."""
