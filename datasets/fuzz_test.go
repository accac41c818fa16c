package datasets

import "testing"

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "a,b\r\n1,2\r\n", "\"a\nb\",c\n", "a,\"b\"\"c\"\n", "a,b\"c\n", "\"a\"b\n", "\"abc", "\n\n\r\n", "a\r", "\xEF\xBB\xBFa\n", "a,\xff\n", "\"\"\"\"", ",\r\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkAgainstEncodingCSV(t, in)
	})
}
