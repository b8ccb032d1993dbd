package client

import "context"

// queryAs runs an app query and decodes its JSON answer as a T: the body
// of every typed query method.
func queryAs[T any](ctx context.Context, c *Client, path string) (T, error) {
	var out T
	_, err := c.Query(ctx, path, &out)
	return out, err
}
