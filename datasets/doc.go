// Package datasets defines growthlens's canonical tables and reads, validates and writes them.
//
// A dataset is a directory of CSV files named after the tables in Tables (employees.csv,
// opportunities.csv, …) with snake_case headers. Dates are YYYY-MM-DD, timestamps RFC 3339,
// months YYYY-MM and quarters YYYYQn. Only opportunities.csv (or revenue.csv) is required; every
// other table is optional.
//
// The package knows the schema (Table, Column), the Go type of each table (Employee,
// Opportunity, …), periods (Period) and how a raw value is checked. It must not compute
// features or fit models: that belongs to package features and package models.
package datasets
