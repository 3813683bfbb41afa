"""Reports: the daily figures rebuilt from the source tables (support, lifecycle, feedback) and the
reports read from them: support, lifecycle, loyalty, retention and cohorts.

May import: platform, customers, feedback, outreach.
"""
