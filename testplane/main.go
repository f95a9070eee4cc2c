// Command testplane runs a throwaway Kubernetes control plane for the
// kubectl-gitops integration tests: an embedded etcd plus the real
// kube-apiserver (k8s.io/kubernetes/cmd/kube-apiserver/app) in one process,
// listening on 127.0.0.1 only, with all state under --dir. Once the apiserver
// is ready, a few kube-controller-manager controllers (--controllers) run in
// the same process; there is no scheduler and no kubelet.
//
// When /readyz answers it writes <dir>/kubeconfig (admin, token auth),
// <dir>/restricted.kubeconfig (user "gitops-restricted", full access to the
// namespace gitops-restricted only) and prints one line starting with
// "TESTPLANE READY" on stdout. SIGTERM stops it cleanly.
//
// A second start with the same --dir (and --port) is a restart: it reuses the
// CA, serving certificate, service-account key, tokens and etcd data written
// by the first one, so kubeconfigs written before keep working and every object
// survives. This holds after SIGTERM and after SIGKILL alike.
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	_ "time/tzdata" // CronJob time zones, as upstream kube-apiserver does

	"go.etcd.io/etcd/server/v3/embed"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/version"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	clientfeatures "k8s.io/client-go/features"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/component-base/cli"
	"k8s.io/component-base/featuregate"
	logsapi "k8s.io/component-base/logs/api/v1"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserverapp "k8s.io/kubernetes/cmd/kube-apiserver/app"
	kcmapp "k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

const (
	restrictedUser      = "gitops-restricted"
	restrictedNamespace = "gitops-restricted"

	// defaultControllers makes namespace deletion finish, Deployments create
	// ReplicaSets (and Pods, which stay Pending: there is no scheduler or
	// kubelet), owner references cascade, and every namespace gets its
	// "default" ServiceAccount and kube-root-ca.crt ConfigMap, as in a real cluster.
	defaultControllers = "namespace-controller,garbage-collector-controller,deployment-controller," +
		"replicaset-controller,serviceaccount-controller,root-ca-certificate-publisher-controller"
)

func main() {
	dir := flag.String("dir", "", "state directory (required); etcd data, certs, logs and kubeconfigs go here")
	port := flag.Int("port", 0, "kube-apiserver secure port on 127.0.0.1 (0: the one of the last start in --dir, else a free one)")
	stdinEOF := flag.Bool("exit-on-stdin-eof", false, "shut down when stdin is closed (for parents that spawn us with a pipe)")
	readyTimeout := flag.Duration("ready-timeout", 180*time.Second, "give up if /readyz is not 200 within this time")
	watchPid := flag.Int("watch-pid", 0, "shut down when the process with this pid has exited (0: off)")
	removeDir := flag.Bool("remove-dir-on-exit", false, "delete --dir after shutting down")
	removeDirOnWatch := flag.Bool("remove-dir-on-watch-exit", false,
		"delete --dir after shutting down because the --watch-pid process has exited (not on SIGTERM/SIGKILL: the dir stays for a restart)")
	controllers := flag.String("controllers", defaultControllers,
		"kube-controller-manager controllers to run in-process once the apiserver is ready (empty: none)")
	shutdownTimeout := flag.Duration("shutdown-timeout", 5*time.Second,
		"after SIGTERM/SIGINT, exit anyway when graceful shutdown takes longer than this")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s --dir DIR [--port P] [-- extra kube-apiserver flags]\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if *dir == "" {
		flag.Usage()
		os.Exit(2)
	}
	if *watchPid > 0 {
		go watch(*watchPid)
	}
	remove := func() bool { return *removeDir || (*removeDirOnWatch && watchedExited.Load()) }
	go exitAfterGrace(*shutdownTimeout, *dir, remove)
	err := run(*dir, *port, *stdinEOF, *readyTimeout, *controllers, flag.Args())
	if remove() {
		_ = os.RemoveAll(*dir)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "testplane:", err)
		os.Exit(1)
	}
}

// exitAfterGrace bounds graceful shutdown: kube-apiserver waits (up to its
// request timeout) for open connections to go idle, and the in-process
// kube-controller-manager keeps some open until the process exits. The
// state is throwaway, so after the grace period we just exit.
func exitAfterGrace(grace time.Duration, dir string, removeDir func() bool) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	time.Sleep(grace)
	fmt.Fprintf(os.Stderr, "testplane: graceful shutdown took longer than %s, exiting\n", grace)
	if removeDir() {
		_ = os.RemoveAll(dir)
	}
	os.Exit(0)
}

// watchedExited is set once the --watch-pid process is gone.
var watchedExited atomic.Bool

// watch sends ourselves SIGTERM once process pid is gone (or a zombie), so a
// test process that started us needs no exit hook to stop us.
func watch(pid int) {
	for {
		time.Sleep(time.Second)
		gone := syscall.Kill(pid, 0) == syscall.ESRCH
		if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
			// Field 3 is the state; the command name in field 2 may contain spaces.
			if i := bytes.LastIndexByte(stat, ')'); i > 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
				gone = true
			}
		}
		if gone {
			watchedExited.Store(true)
			_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
			return
		}
	}
}

func run(dir string, port int, stdinEOF bool, readyTimeout time.Duration, controllers string, extra []string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	pki := filepath.Join(dir, "pki")
	if err := os.MkdirAll(pki, 0o700); err != nil {
		return err
	}
	portFile := filepath.Join(dir, "apiserver.port")
	if port == 0 {
		// A restart keeps the port of the first start, so kubeconfigs stay valid.
		if data, err := os.ReadFile(portFile); err == nil {
			port, _ = strconv.Atoi(strings.TrimSpace(string(data)))
		}
	}
	if port == 0 {
		if port, err = freePort(); err != nil {
			return err
		}
	}
	if err := os.WriteFile(portFile, []byte(strconv.Itoa(port)+"\n"), 0o600); err != nil {
		return err
	}

	creds, err := credentialsFor(dir, pki)
	if err != nil {
		return fmt.Errorf("credentials: %w", err)
	}

	etcd, etcdURL, err := startEtcd(dir)
	if err != nil {
		return fmt.Errorf("etcd: %w", err)
	}

	server := "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + pki,
		"--tls-cert-file=" + filepath.Join(pki, "apiserver.crt"),
		"--tls-private-key-file=" + filepath.Join(pki, "apiserver.key"),
		"--client-ca-file=" + filepath.Join(pki, "ca.crt"),
		"--token-auth-file=" + filepath.Join(dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + filepath.Join(pki, "sa.key"),
		"--service-account-signing-key-file=" + filepath.Join(pki, "sa.key"),
		"--service-cluster-ip-range=10.0.0.0/16",
		"--disable-admission-plugins=ServiceAccount",
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		"--profiling=false",
	}
	args = append(args, extra...)

	if controllers != "" {
		// kube-controller-manager turns WatchListClient on while building its
		// flags, which fails once kube-apiserver has frozen the shared gates:
		// set it up front (it is on in kube-controller-manager 1.34 anyway).
		wl := featuregate.Feature(clientfeatures.WatchListClient)
		if !utilfeature.DefaultFeatureGate.Enabled(wl) {
			if err := utilfeature.DefaultMutableFeatureGate.OverrideDefaultAtVersion(wl, true, version.MustParse("1.34")); err != nil {
				return err
			}
		}
	}

	cmd := apiserverapp.NewAPIServerCommand()
	cmd.SetArgs(args)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var readyErr error
	readyDone := make(chan struct{})
	go func() {
		defer close(readyDone)
		if readyErr = whenReady(ctx, dir, server, creds, readyTimeout, controllers); readyErr != nil {
			_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		}
	}()
	if stdinEOF {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
		}()
	}

	// cli.Run installs the (one-per-process) signal handler and blocks until
	// SIGTERM/SIGINT has completed the graceful shutdown.
	code := cli.Run(cmd)
	cancel()
	<-readyDone
	etcd.Close() // not deferred: embed.Etcd.Close panics when called twice
	if readyErr != nil {
		return fmt.Errorf("not ready: %w", readyErr)
	}
	if code != 0 {
		return fmt.Errorf("kube-apiserver exited with code %d", code)
	}
	return nil
}

// credentials holds what the kubeconfigs need.
type credentials struct {
	caPEM           []byte
	adminToken      string
	restrictedToken string
}

// credentialsFor reuses the credentials of an earlier start in dir (a restart),
// or writes new ones. tokens.csv is written last, so its presence means the
// whole set is there.
func credentialsFor(dir, pki string) (*credentials, error) {
	tokens, err := os.ReadFile(filepath.Join(dir, "tokens.csv"))
	if errors.Is(err, os.ErrNotExist) {
		return writeCredentials(dir, pki)
	}
	if err != nil {
		return nil, err
	}
	for _, name := range []string{"ca.key", "apiserver.crt", "apiserver.key", "sa.key"} {
		if _, err := os.Stat(filepath.Join(pki, name)); err != nil {
			return nil, fmt.Errorf("restart in %s: %w", dir, err)
		}
	}
	caPEM, err := os.ReadFile(filepath.Join(pki, "ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("restart in %s: %w", dir, err)
	}
	c := &credentials{caPEM: caPEM}
	for _, line := range strings.Split(string(tokens), "\n") {
		fields := strings.Split(line, ",")
		if len(fields) < 2 {
			continue
		}
		switch fields[1] {
		case "testplane-admin":
			c.adminToken = fields[0]
		case restrictedUser:
			c.restrictedToken = fields[0]
		}
	}
	if c.adminToken == "" || c.restrictedToken == "" {
		return nil, fmt.Errorf("restart in %s: tokens.csv lacks a user's token", dir)
	}
	return c, nil
}

// writeCredentials creates a CA, a serving certificate for 127.0.0.1 and
// localhost, the service-account signing key and the static token file.
func writeCredentials(dir, pki string) (*credentials, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "testplane-ca"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}

	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback, net.IPv4(10, 0, 0, 1)},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}

	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}

	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	files := map[string][]byte{
		"ca.crt":        caPEM,
		"apiserver.crt": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER}),
	}
	for name, key := range map[string]*ecdsa.PrivateKey{"ca.key": caKey, "apiserver.key": srvKey, "sa.key": saKey} {
		der, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			return nil, err
		}
		files[name] = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(pki, name), data, 0o600); err != nil {
			return nil, err
		}
	}

	c := &credentials{caPEM: caPEM, adminToken: randomHex(24), restrictedToken: randomHex(24)}
	tokens := fmt.Sprintf("%s,testplane-admin,testplane-admin,\"system:masters\"\n%s,%s,%s\n",
		c.adminToken, c.restrictedToken, restrictedUser, restrictedUser)
	if err := os.WriteFile(filepath.Join(dir, "tokens.csv"), []byte(tokens), 0o600); err != nil {
		return nil, err
	}
	return c, nil
}

// startEtcd runs a single-member etcd on two free loopback ports, data under
// <dir>/etcd, without fsync (test data only), logging to <dir>/etcd.log. A
// restart reuses the ports recorded in <dir>/etcd.ports when they are free.
func startEtcd(dir string) (*embed.Etcd, string, error) {
	clientPort, peerPort, err := etcdPorts(filepath.Join(dir, "etcd.ports"))
	if err != nil {
		return nil, "", err
	}
	cu := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(clientPort))}
	pu := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(peerPort))}

	cfg := embed.NewConfig()
	cfg.Name = "testplane"
	cfg.Dir = filepath.Join(dir, "etcd")
	cfg.UnsafeNoFsync = true
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{filepath.Join(dir, "etcd.log")}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{cu}, []url.URL{cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{pu}, []url.URL{pu}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, cu.String(), nil
	case err := <-e.Err():
		e.Close()
		return nil, "", err
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, "", errors.New("not ready after 60s")
	}
}

// whenReady polls /readyz, then sets up the restricted namespace and RBAC,
// writes both kubeconfigs and prints the READY line.
func whenReady(ctx context.Context, dir, server string, c *credentials, timeout time.Duration, controllers string) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.caPEM)
	hc := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
	deadline := time.Now().Add(timeout)
	for {
		if ok := readyz(ctx, hc, server, c.adminToken); ok {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("/readyz not 200 after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(250 * time.Millisecond):
		}
	}

	cfg := &rest.Config{
		Host:            server,
		BearerToken:     c.adminToken,
		TLSClientConfig: rest.TLSClientConfig{CAData: c.caPEM},
	}
	if err := setupRestricted(ctx, cfg); err != nil {
		return fmt.Errorf("restricted user setup: %w", err)
	}

	if controllers != "" {
		kc := filepath.Join(dir, "pki", "controller-manager.kubeconfig")
		if err := writeKubeconfig(kc, server, c.caPEM, "testplane-admin", c.adminToken, "default"); err != nil {
			return err
		}
		startControllerManager(kc, filepath.Join(dir, "pki", "ca.crt"), controllers)
	}

	admin := filepath.Join(dir, "kubeconfig")
	restricted := filepath.Join(dir, "restricted.kubeconfig")
	if err := writeKubeconfig(admin, server, c.caPEM, "testplane-admin", c.adminToken, "default"); err != nil {
		return err
	}
	if err := writeKubeconfig(restricted, server, c.caPEM, restrictedUser, c.restrictedToken, restrictedNamespace); err != nil {
		return err
	}
	fmt.Printf("TESTPLANE READY kubeconfig=%s restricted=%s server=%s\n", admin, restricted, server)
	return nil
}

// startControllerManager runs the real kube-controller-manager in this
// process, restricted to the given controllers. It shares the process-wide
// feature gates and logging configuration with kube-apiserver (both use the
// defaults) and stops when the process exits.
func startControllerManager(kubeconfig, rootCA, controllers string) {
	// The apiserver already applied the (identical, default) logging options.
	logsapi.ReapplyHandling = logsapi.ReapplyHandlingIgnoreUnchanged
	cmd := kcmapp.NewControllerManagerCommand()
	cmd.SetArgs([]string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--controllers=" + controllers,
		"--root-ca-file=" + rootCA,
		"--use-service-account-credentials=false",
	})
	go func() {
		if err := cmd.Execute(); err != nil {
			fmt.Fprintln(os.Stderr, "testplane: kube-controller-manager:", err)
		}
	}()
}

func readyz(ctx context.Context, hc *http.Client, server, token string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, server+"/readyz", nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// setupRestricted creates the namespace gitops-restricted with a Role that
// allows everything in it, bound to the restricted user.
func setupRestricted(ctx context.Context, cfg *rest.Config) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: restrictedNamespace}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "gitops-restricted-all", Namespace: restrictedNamespace},
		Rules: []rbacv1.PolicyRule{{
			APIGroups: []string{"*"},
			Resources: []string{"*"},
			Verbs:     []string{"*"},
		}},
	}
	if _, err := cs.RbacV1().Roles(restrictedNamespace).Create(ctx, role, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "gitops-restricted-all", Namespace: restrictedNamespace},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: restrictedUser}},
	}
	if _, err := cs.RbacV1().RoleBindings(restrictedNamespace).Create(ctx, binding, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return nil
}

// writeKubeconfig writes a single-context token kubeconfig atomically.
func writeKubeconfig(path, server string, caPEM []byte, user, token, namespace string) error {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["testplane"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	kc.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	kc.Contexts[user] = &clientcmdapi.Context{Cluster: "testplane", AuthInfo: user, Namespace: namespace}
	kc.CurrentContext = user
	tmp := path + ".tmp"
	if err := clientcmd.WriteToFile(*kc, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// etcdPorts returns the client and peer ports recorded in path if both can be
// bound now, else two new free ones; it records what it returns.
func etcdPorts(path string) (int, int, error) {
	if data, err := os.ReadFile(path); err == nil {
		var client, peer int
		if n, _ := fmt.Sscanf(string(data), "%d %d", &client, &peer); n == 2 && bindable(client) && bindable(peer) {
			return client, peer, nil
		}
	}
	client, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	peer, err := freePort()
	if err != nil {
		return 0, 0, err
	}
	if err := os.WriteFile(path, []byte(fmt.Sprintf("%d %d\n", client, peer)), 0o600); err != nil {
		return 0, 0, err
	}
	return client, peer, nil
}

func bindable(port int) bool {
	if port <= 0 || port > 65535 {
		return false
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err)
	}
	return n
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
