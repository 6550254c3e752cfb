package noctuary

import "net/http"

// HTTPStatus maps an error code to its HTTP status, once for every HTTP
// front end (the API's JSON errors, the dashboard's pages).
func HTTPStatus(code string) int {
	switch code {
	case EInvalid:
		return http.StatusBadRequest
	case EUnauthorized:
		return http.StatusUnauthorized
	case EForbidden:
		return http.StatusForbidden
	case ENotFound:
		return http.StatusNotFound
	case EConflict:
		return http.StatusConflict
	case ETooLarge:
		return http.StatusRequestEntityTooLarge
	case EUnavailable:
		return http.StatusServiceUnavailable
	case ERateLimited:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}
