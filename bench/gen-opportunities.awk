# Writes N canonical opportunities rows (N from -v n=...) to stdout, deterministic for a seed
# (-v seed=...). Used by bench/import.sh; the data is made up, shaped like a large tenant:
# 50,000 accounts, 10,000 owners, 400 teams, 5 products, 4 regions, dates 2019-2023.
BEGIN {
	srand(seed ? seed : 7)
	split("GTX Basic,GTX Pro,MG Special,MG Advanced,GTK 500", products, ",")
	split("East,West,Central,North", regions, ",")
	split("prospecting,qualified,proposal,negotiation,won,lost", stages, ",")
	print "opportunity_id,account_id,owner_id,team_id,product,region,stage,created_date,closed_date,amount"
	for (i = 1; i <= n; i++) {
		owner = int(rand() * 10000)
		stage = stages[1 + int(rand() * 6)]
		y = 2019 + int(rand() * 5); m = 1 + int(rand() * 12); d = 1 + int(rand() * 28)
		created = sprintf("%04d-%02d-%02d", y, m, d)
		closed = ""; amount = ""
		if (stage == "won" || stage == "lost") {
			closed = sprintf("%04d-%02d-%02d", y, m, d + int(rand() * (29 - d)))
			amount = stage == "won" ? sprintf("%.2f", 100 + rand() * 50000) : "0"
		} else if (rand() < 0.5) {
			amount = sprintf("%.2f", 100 + rand() * 50000)
		}
		printf "O%08d,A%05d,E%05d,T%03d,%s,%s,%s,%s,%s,%s\n", i, int(rand() * 50000), owner, int(owner / 25), products[1 + int(rand() * 5)], regions[1 + int(owner % 4)], stage, created, closed, amount
	}
}
