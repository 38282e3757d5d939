package web

import "net/http"

func (s *Server) routeQueue(mux *http.ServeMux) {}
