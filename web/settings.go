package web

import "net/http"

func (s *Server) routeSettings(mux *http.ServeMux) {}
