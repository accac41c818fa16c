package datasets_test

import (
	"fmt"
	"strings"

	"github.com/growthlens/growthlens/datasets"
)

func ExampleNewTableReader() {
	in := "opportunity_id,stage,created_date,closed_date,amount\n" +
		"O1,won,2024-01-05,2024-02-01,1200\n" +
		"O2,Won,2024-01-06,,-5\n" +
		"O1,lost,2024-01-07,2024-01-09,0\n"
	table, _ := datasets.Lookup("opportunities")
	tr, err := datasets.NewTableReader(strings.NewReader(in), table, datasets.ReadOptions{
		File: "deals.csv",
		OnReject: func(r *datasets.Reject) error {
			for _, p := range r.Problems {
				fmt.Println("rejected:", p)
			}
			return nil
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for tr.Next() {
		fmt.Println("kept:", tr.Record()[0])
	}
	c := tr.Report()
	fmt.Printf("read %d = kept %d + rejected %d\n", c.Read, c.Imported, c.Rejected)
	// Output:
	// kept: O1
	// rejected: deals.csv:3: stage: "Won" is not one of prospecting, qualified, proposal, negotiation, won, lost
	// rejected: deals.csv:3: amount: -5 is negative
	// rejected: deals.csv:4: opportunity_id: duplicate key "O1" (first at line 2, which is kept)
	// read 3 = kept 1 + rejected 2
}

func ExampleParseMapping() {
	_, err := datasets.ParseMapping([]byte(`
tables:
  opportunities:
    source: deals.csv
    columns: {opportunity_id: id, stage: status, created_date: opened}
    values: {stge: {Won: won}}
    dates: {created_date: "01/02"}
`))
	fmt.Println(err)
	// Output:
	// invalid mapping:
	//   tables.opportunities.values.stge: no column "stge" in opportunities (columns: opportunity_id, account_id, owner_id, team_id, product, region, stage, created_date, closed_date, amount)
	//   tables.opportunities.dates.created_date: layout "01/02" does not hold a year; write the date 2006-01-02 (Mon Jan 2 2006) the way the source writes dates, e.g. 01/02/2006 or 02.01.2006, or use "excel"
}
