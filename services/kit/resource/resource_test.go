package resource

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestMaskPaths(t *testing.T) {
	updatable := []string{"a", "b"}
	for _, tc := range []struct {
		in, want []string
		code     codes.Code
	}{
		{nil, updatable, codes.OK},
		{[]string{"*"}, updatable, codes.OK},
		{[]string{"b"}, []string{"b"}, codes.OK},
		{[]string{"etag", "create_time", "derived", "a"}, []string{"a"}, codes.OK},
		{[]string{"etag"}, []string{}, codes.OK},
		{[]string{"a", "c"}, nil, codes.InvalidArgument},
	} {
		got, err := MaskPaths(tc.in, updatable, []string{"derived"})
		if status.Code(err) != tc.code || !slices.Equal(got, tc.want) {
			t.Errorf("MaskPaths(%v) = %v, %v", tc.in, got, err)
		}
	}
}

func TestDeleteTransitions(t *testing.T) {
	for _, tc := range []struct {
		is, want bool
		code     codes.Code
	}{{false, true, codes.OK}, {true, true, codes.NotFound}, {true, false, codes.OK}, {false, false, codes.AlreadyExists}} {
		if got := status.Code(CheckDeleteTransition("x/y", tc.is, tc.want)); got != tc.code {
			t.Errorf("deleted=%v want deleted=%v: %v, want %v", tc.is, tc.want, got, tc.code)
		}
	}
}
