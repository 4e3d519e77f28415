"""Open data: Open Referral HSDS 3.0 (and 2.0, and a plain spreadsheet) in and out, and the
HSDS read API. The mapping between a community and HSDS is described in docs/open-data.md."""
