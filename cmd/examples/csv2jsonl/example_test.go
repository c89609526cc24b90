package csv2jsonl_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/wgor-dev/wgor/cmd/examples/csv2jsonl"
)

// The conversion on its own.
func ExampleConvert() {
	in := "city,country\nHangzhou,CN\n\"Paris, France\",FR\n"
	if err := csv2jsonl.Convert(os.Stdout, strings.NewReader(in), 0); err != nil {
		fmt.Println(err)
	}
	err := csv2jsonl.Convert(os.Stdout, strings.NewReader("a,b\n1\n"), 0)
	fmt.Println(err)
	// Output:
	// {"city":"Hangzhou","country":"CN"}
	// {"city":"Paris, France","country":"FR"}
	// The CSV object is malformed at row 2 (line 2): wrong number of fields.
}
