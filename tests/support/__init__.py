"""Test support code: service availability, live servers, HTML helpers."""
