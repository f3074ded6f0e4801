package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	planningpb "github.com/goldenthread/goldenthread/proto/gen/goldenthread/planning/v1"
	"github.com/goldenthread/goldenthread/services/kit/auth"
)

// dial opens a plain gRPC client connection.
func dial(addr string) (*grpc.ClientConn, error) {
	return grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
}

// grpcGet is one GetElement call with the token, on conn.
func grpcGet(conn *grpc.ClientConn, token, name string) func(context.Context) error {
	client := planningpb.NewElementsServiceClient(conn)
	req := &planningpb.GetElementRequest{Name: name}
	return func(ctx context.Context) error {
		el, err := client.GetElement(auth.WithCredential(ctx, token), req)
		if err == nil && el.Name != name {
			err = fmt.Errorf("got %s, want %s", el.Name, name)
		}
		return err
	}
}

// httpClient keeps enough idle connections for every concurrent client.
var httpClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
	MaxIdleConns: 256, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}

// restGet is one GET of url with the token, reading the whole body.
func restGet(url, token string) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := fetch(ctx, url, token)
		return err
	}
}

// fetch GETs url with the token and returns the body of a 200 answer.
func fetch(ctx context.Context, url, token string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s: %.200s", url, resp.Status, body)
	}
	return body, err
}
