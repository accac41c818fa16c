// Package datasets defines growthlens's canonical tables and reads, validates, imports and
// writes them.
//
// A dataset is a directory of CSV files named after the tables in Tables (employees.csv,
// opportunities.csv, …) with snake_case headers. Dates are YYYY-MM-DD, timestamps RFC 3339,
// months YYYY-MM and quarters YYYYQn. Only opportunities.csv (or revenue.csv) is required; every
// other table is optional.
//
// The package knows the schema (Table, Column, with per-value checks, ordered date pairs,
// conditional requirements, keys and references between tables), the Go type of each table
// (Employee, Opportunity, …) and its Codec, and periods (Period). It reads canonical tables row
// by row (TableReader) or whole (Load, into a Dataset), and imports exports of other systems
// through a Mapping (Import, from CSV or XLSX). Every row read is kept or rejected with reasons
// located as file:line: column: reason and written to a rejects file (RejectWriter); nothing is
// dropped or coerced silently, and memory does not grow with the length of a line.
//
// It must not compute features or fit models: that belongs to package features and package
// models.
package datasets
