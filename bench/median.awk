# Reads `go test -bench` output (several -count runs) and prints, per benchmark and unit, the
# median and the number of runs. Works with mawk (no asort).
/^Benchmark/ {
	for (i = 3; i + 1 <= NF; i += 2) {
		key = $1 "\t" $(i + 1)
		if (!(key in n)) order[++keys] = key
		v[key, ++n[key]] = $i
	}
}
END {
	for (k = 1; k <= keys; k++) {
		key = order[k]
		m = n[key]
		for (i = 1; i <= m; i++) a[i] = v[key, i] + 0
		for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
		med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
		printf "%-45s %14.4g %-10s (median of %d)\n", substr(key, 1, index(key, "\t") - 1), med, substr(key, index(key, "\t") + 1), m
	}
}
