// Command hello is the reference of make bench-serve: a bare Gin server whose one handler
// answers {"message":"hello"}, with no middleware. growthlens serve's endpoints are measured
// against it in the same run, so the ratio says what our routing, authentication, metrics
// and payloads cost on top of Gin itself on this machine.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.GET("/hello", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"message": "hello"}) })
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// The bench script reads the address from this line.
	fmt.Fprintf(os.Stderr, "hello listening on http://%s\n", ln.Addr())
	log.Fatal(http.Serve(ln, e))
}
