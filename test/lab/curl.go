package lab

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// curlTimeout bounds one Curl: within the lab an answer takes milliseconds,
// so a longer wait means the packets went nowhere.
const curlTimeout = 2 * time.Second

// Curl GETs url from the client's namespace on a new connection (so that
// successive calls can reach different backends) and returns the body. A
// status other than 200 is an error.
func (l *Lab) Curl(ctx context.Context, url string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, curlTimeout)
	defer cancel()
	// No proxy from the environment: lab addresses are never behind one.
	tr := &http.Transport{DialContext: l.Client.DialContext, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return "", fmt.Errorf("curl from %s: %w", l.Client.Name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("curl %s from %s: %w", url, l.Client.Name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return string(body), fmt.Errorf("curl %s from %s: %s: %s", url, l.Client.Name, resp.Status, strings.TrimSpace(string(body)))
	}
	return string(body), nil
}
