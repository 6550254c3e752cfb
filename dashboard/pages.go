package dashboard

import "net/http"

// morePages are the templates of the pages pageRoutes serves.
var morePages = []string{}

// pageRoutes mounts the pages beyond sign-in and integrations.
func (d *Dashboard) pageRoutes(mux *http.ServeMux) {
	mux.Handle("GET /dashboard/incidents", d.auth(func(w http.ResponseWriter, r *http.Request, s *session) {
		http.Redirect(w, r, "/dashboard/integrations", http.StatusSeeOther)
	}))
}
