package wgor_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wgor-dev/wgor/wgor"
)

func TestRegionFromRoute(t *testing.T) {
	tests := []struct{ route, region string }{
		{testRoute, "cn-qingdao"},
		{"fc-ap-01-3b00521f653d2b3223680ec39dbbe2****-opap.oss-cn-qingdao-internal.oss-object-process.aliyuncs.com", "cn-qingdao"},
		{"fc-ap-01-abc-opap.oss-cn-qingdao.oss-object-process.aliyuncs.com", "cn-qingdao"},
		{"fc-ap-01-abc-opap.oss-ap-southeast-1-internal.oss-object-process.aliyuncs.com", "ap-southeast-1"},
		{"examplebucket.oss-cn-hangzhou.aliyuncs.com", "cn-hangzhou"},
		{"oss-cn-hangzhou.aliyuncs.com", "cn-hangzhou"},
		{"oss-cn-hangzhou-internal.aliyuncs.com", "cn-hangzhou"},
		{"bucket.oss-cn-shanghai-finance-1-internal.aliyuncs.com", "cn-shanghai-finance-1"},
		{"oss-rg-china-mainland.aliyuncs.com", "rg-china-mainland"},
		{"oss-us-west-1.aliyuncs.com", "us-west-1"},
		{"FC-AP-01-ABC-OPAP.OSS-CN-BEIJING-INTERNAL.OSS-OBJECT-PROCESS.ALIYUNCS.COM", "cn-beijing"},
		{testRoute + ":443", "cn-qingdao"},
		{"https://" + testRoute, "cn-qingdao"},
		{"http://oss-eu-central-1.aliyuncs.com:8080", "eu-central-1"},
		{"oss-cn-hangzhou.aliyuncs.com.", "cn-hangzhou"},
		{"oss-cn-x.oss-cn-hangzhou.aliyuncs.com", "cn-hangzhou"},
	}
	for _, tt := range tests {
		t.Run(tt.route, func(t *testing.T) {
			got, err := wgor.RegionFromRoute(tt.route)
			require.NoError(t, err)
			assert.Equal(t, tt.region, got)
		})
	}
}

func TestRegionFromRouteRefusesRoutesThatNameNoRegion(t *testing.T) {
	for _, route := range []string{
		"",
		"127.0.0.1",
		"127.0.0.1:8080",
		"http://127.0.0.1:8080",
		"[::1]:8080",
		"localhost",
		"oss-cn-hangzhou.example.com",
		"aliyuncs.com",
		".aliyuncs.com",
		"oss-object-process.aliyuncs.com",
		"oss-accelerate.aliyuncs.com",
		"fc-ap-01-abc-opap.oss-object-process.aliyuncs.com",
		"oss-.aliyuncs.com",
		"oss-cn-.aliyuncs.com",
		"oss-c1-hangzhou.aliyuncs.com",
		"oss-cn-hangzhou.aliyuncs.com.evil.example",
	} {
		t.Run(route, func(t *testing.T) {
			_, err := wgor.RegionFromRoute(route)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "set Client.Region")
		})
	}
}

// A URL pasted by mistake (an inputOssUrl) that net/url cannot parse is
// still named by its host alone: its query holds a signature.
func TestRegionErrorNamesTheHostWithoutTheQuery(t *testing.T) {
	for _, route := range []string{"h%zz/?x-oss-signature=abcdef0123", "https://b.example%zz/o?Signature=abcdef0123", "b%zz.example#x-oss-signature=abcdef0123"} {
		_, err := wgor.RegionFromRoute(route)
		var re *wgor.RegionError
		require.ErrorAs(t, err, &re, route)
		assert.NotContains(t, err.Error(), "abcdef0123", route)
		assert.NotContains(t, re.Host, "/", route)
	}
}
