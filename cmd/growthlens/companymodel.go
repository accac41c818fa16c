package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/growthlens/growthlens/models/champion"
	"github.com/growthlens/growthlens/models/company"
	"github.com/growthlens/growthlens/models/registry"
)

// companyFlags say where a command's company model (models/company) comes from: the tenant's
// registered champion, as the API reads it, or — only with --refit — a fit on --data.
type companyFlags struct {
	store, keyFile, tenant string
	refit                  bool
}

func addCompanyFlags(cmd *cobra.Command, f *companyFlags) {
	addChampionFlags(cmd, f, "company model")
}

// addChampionFlags adds the flags that say where a command's registered model (what, in
// words) is read from, and --refit to fit it on --data instead.
func addChampionFlags(cmd *cobra.Command, f *companyFlags, what string) {
	fl := cmd.Flags()
	fl.StringVar(&f.store, "store", envOr(envStore, "var/store"), "store holding the tenant's registered "+what+" (env "+envStore+")")
	fl.StringVar(&f.keyFile, "encryption-key-file", "", "file holding the store's encryption key in hex or base64 (or set "+registry.EnvEncryptionKey+")")
	fl.StringVar(&f.tenant, "tenant", envOr(envTenant, "default"), "tenant whose champion "+what+" to read (env "+envTenant+")")
	fl.BoolVar(&f.refit, "refit", false, "fit the "+what+" on --data instead of reading the tenant's registered champion")
}

// model returns the tenant's champion company model, or nil with --refit (the caller then
// fits one on its data, as training would).
func (f *companyFlags) model(a *app) (*company.Model, error) {
	m, _, err := f.champions(a)
	return m, err
}

// champions is model with the rest of the tenant's champions (those that need no data: the
// forecast, say); nil, nil with --refit.
func (f *companyFlags) champions(a *app) (*company.Model, *champion.Set, error) {
	if f.refit {
		return nil, nil, nil
	}
	set, err := loadChampions(a, f.store, f.keyFile, f.tenant, champion.Data{Problem: "the CLI reads the company model only"})
	if err != nil {
		return nil, nil, err
	}
	m, v := set.Company()
	if m == nil {
		why := set.Missing[champion.Driver]
		if e := set.Errors[champion.Driver]; e != "" {
			why = e
		}
		if why == "" && v.Version > 0 {
			why = fmt.Sprintf("version %d was trained by an older build without priors: retrain", v.Version)
		}
		if set.Skipped[champion.Driver] != "" {
			// Training ran and the data could not support the model: training again will not
			// help, the data must change.
			return nil, nil, fmt.Errorf("tenant %s has no company model in %s: %s", f.tenant, f.store, why)
		}
		return nil, nil, fmt.Errorf("tenant %s has no company model in %s (%s): run growthlens train, or pass --refit to fit one on --data", f.tenant, f.store, why)
	}
	a.log.Debug("company model", "tenant", f.tenant, "version", v.Version)
	return m, set, nil
}

// loadChampions reads the tenant's registered champions from the store, as the API loads
// them, with d the data the models that need it decode against. The store must exist and not
// be held by a running server; the errors say what to do instead (train, or --refit).
func loadChampions(a *app, store, keyFile, tenant string, d champion.Data) (*champion.Set, error) {
	key, err := registry.LoadKey(registry.EnvEncryptionKey, keyFile)
	if err != nil {
		return nil, err
	}
	st, err := registry.Open(store, registry.Options{EncryptionKey: key, MustExist: true, Logger: a.log})
	var inUse *registry.InUseError
	switch {
	case errors.Is(err, registry.ErrNoStore):
		return nil, fmt.Errorf("%w: no registered model to read (run growthlens train, or pass --refit to fit one on --data)", err)
	case errors.As(err, &inUse):
		return nil, fmt.Errorf("%w (ask the running server's API, or pass --refit to fit on --data)", err)
	case err != nil:
		return nil, err
	}
	defer st.Close()
	return champion.Load(st, tenant, d)
}
